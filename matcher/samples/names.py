"""Names for synthetic teachers: diverse, realistic for London, invented combinations.

Each background pairs given names with family names that go together; the sample
generator mostly draws both from one background and sometimes mixes them, as real
names do. These are lists of common names, not records of real people.

>>> len(NAME_GROUPS) >= 12 and all(len(f) >= 8 and len(s) >= 8 for f, s, _ in NAME_GROUPS)
True
"""

from __future__ import annotations

__all__ = ["NAME_GROUPS"]

# (given names, family names, relative weight in the London teaching workforce; rough)
NAME_GROUPS: tuple[tuple[tuple[str, ...], tuple[str, ...], float], ...] = (
    (  # English / British
        ("Sarah", "James", "Emma", "Tom", "Rachel", "Oliver", "Hannah", "Ben", "Charlotte", "Dan",
         "Lucy", "Matt", "Katie", "Chris", "Sophie", "Alex", "Jo", "Rob", "Helen", "Nick",
         "Amy", "Will", "Laura", "Jack", "Becky", "Sam", "Ellie", "Harry", "Gemma", "Jonny"),
        ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Johnson", "Roberts", "Walker",
         "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris",
         "Clarke", "Cooper", "King", "Baker", "Turner", "Hill", "Parker", "Bennett", "Fletcher", "Marsh"),
        38.0,
    ),
    (  # Irish / Scottish / Welsh
        ("Siobhan", "Ciaran", "Niamh", "Declan", "Aoife", "Fergus", "Morag", "Iain", "Rhian", "Gareth",
         "Catriona", "Owen"),
        ("O'Connor", "Murphy", "Kelly", "Byrne", "Gallagher", "MacDonald", "Campbell", "Stewart", "Davies",
         "Llewellyn", "Reilly", "Doherty"),
        6.0,
    ),
    (  # Caribbean British
        ("Marcia", "Delroy", "Jermaine", "Tanisha", "Leon", "Shanice", "Andre", "Keisha", "Marlon", "Simone",
         "Dwayne", "Natalie"),
        ("Campbell", "Brown", "Williams", "Francis", "Henry", "Clarke", "Grant", "Morgan", "Reid", "Samuels",
         "Baptiste", "Charles"),
        8.0,
    ),
    (  # West African British
        ("Tolu", "Chidi", "Funmi", "Kwame", "Ama", "Femi", "Ngozi", "Kofi", "Adaeze", "Yaw",
         "Temi", "Emeka"),
        ("Adeyemi", "Okafor", "Mensah", "Boateng", "Adebayo", "Nwosu", "Owusu", "Okonkwo", "Asante", "Oyelaran",
         "Eze", "Danso"),
        7.0,
    ),
    (  # Indian / Sri Lankan British
        ("Priya", "Raj", "Anjali", "Vikram", "Neha", "Arjun", "Kavitha", "Sanjay", "Meera", "Rohan",
         "Deepa", "Nikhil"),
        ("Patel", "Shah", "Sharma", "Singh", "Kaur", "Gill", "Nair", "Iyer", "Rajan", "Sivakumar",
         "Mehta", "Chauhan"),
        9.0,
    ),
    (  # Pakistani / Bangladeshi British
        ("Aisha", "Imran", "Sana", "Bilal", "Nadia", "Tariq", "Farhana", "Shahid", "Rukhsana", "Jamal",
         "Yasmin", "Hamza"),
        ("Khan", "Ahmed", "Hussain", "Ali", "Rahman", "Begum", "Miah", "Iqbal", "Chowdhury", "Malik",
         "Uddin", "Akhtar"),
        7.0,
    ),
    (  # East and South-East Asian British
        ("Mei", "Wei", "Jenny", "Kenji", "Linh", "Min-jun", "Hui", "Daniel", "Yuki", "Grace",
         "Thanh", "Jia"),
        ("Chen", "Wong", "Li", "Zhang", "Nguyen", "Tran", "Kim", "Park", "Tanaka", "Lau",
         "Cheung", "Ho"),
        4.0,
    ),
    (  # Polish / Romanian / Eastern European
        ("Kasia", "Tomasz", "Agnieszka", "Piotr", "Ioana", "Andrei", "Magda", "Marek", "Elena", "Bogdan",
         "Zofia", "Lukas"),
        ("Kowalski", "Nowak", "Wiśniewska", "Popescu", "Ionescu", "Zielinski", "Lewandowska", "Dumitru",
         "Novak", "Horvath", "Petrova", "Kaminski"),
        4.0,
    ),
    (  # Southern European
        ("Giulia", "Marco", "Ana", "João", "Elena", "Nikos", "Sofia", "Pablo", "Chiara", "Dimitris",
         "Inês", "Lorenzo"),
        ("Rossi", "Bianchi", "Silva", "Santos", "García", "Fernández", "Papadopoulos", "Georgiou", "Costa",
         "Romano", "Ferreira", "Moreno"),
        5.0,
    ),
    (  # Turkish / Kurdish / Cypriot
        ("Elif", "Emre", "Zeynep", "Mehmet", "Deniz", "Can", "Ayşe", "Kerem", "Stella", "Andreas",
         "Melis", "Baran"),
        ("Yilmaz", "Demir", "Kaya", "Şahin", "Öztürk", "Aydin", "Christou", "Charalambous", "Ozdemir",
         "Celik", "Polat", "Kyriacou"),
        3.0,
    ),
    (  # Somali / Eritrean / East African
        ("Hodan", "Abdi", "Faduma", "Mohamed", "Amran", "Yonas", "Sara", "Ahmed", "Hibo", "Dawit",
         "Ifrah", "Samuel"),
        ("Hassan", "Abdullahi", "Warsame", "Yusuf", "Osman", "Tesfaye", "Haile", "Ismail", "Farah",
         "Gebremedhin", "Nur", "Mekonnen"),
        2.0,
    ),
    (  # Latin American / Brazilian
        ("Camila", "Mateo", "Valentina", "Diego", "Juliana", "Rafael", "Luisa", "Thiago", "Paula", "Andrés",
         "Bruna", "Felipe"),
        ("Rodríguez", "González", "Oliveira", "Souza", "Martínez", "López", "Pereira", "Gómez", "Herrera",
         "Alves", "Castro", "Ramírez"),
        2.0,
    ),
    (  # Jewish British
        ("Rebecca", "Daniel", "Miriam", "Joshua", "Naomi", "Adam", "Leah", "Jonathan", "Esther", "Benjamin",
         "Talia", "Simon"),
        ("Cohen", "Levy", "Goldberg", "Rosen", "Friedman", "Kaplan", "Shapiro", "Stern", "Green", "Silver",
         "Abrahams", "Jacobs"),
        2.5,
    ),
    (  # Middle Eastern / Iranian / Arab British
        ("Leila", "Omar", "Yasmin", "Karim", "Dina", "Reza", "Nour", "Sami", "Shirin", "Amir",
         "Rania", "Hadi"),
        ("Haddad", "Karimi", "Hosseini", "Mansour", "Nasser", "Ahmadi", "Khalil", "Saleh", "Rahimi", "Aziz",
         "Darwish", "Jafari"),
        2.5,
    ),
)
